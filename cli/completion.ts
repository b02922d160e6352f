// `jml completion bash|zsh`: a static completion script generated from the command tree. The script
// walks the words typed so far down the tree (skipping option values), then offers the subcommands
// and options of the command reached, and file names where that command takes a file.
import { Argument, type Command } from 'commander';
import { allNodes, commandTree, type TreeNode } from './command-tree';
import { EXIT } from './exit-codes';
import { examples } from './help-text';
import { exiting } from './run';

const nodeId = (node: TreeNode) => (node.path.length ? node.path.join('_') : 'root');

/** Shared by both shells: child lookup and which flags take a value. */
function walkFunctions(root: TreeNode): string[] {
  const nodes = allNodes(root);
  const children = nodes.flatMap((n) =>
    n.subcommands.map((c) => `    '${nodeId(n)} ${c.path.at(-1)}') echo ${nodeId(c)} ;;`),
  );
  const valued = [...new Set(nodes.flatMap((n) => n.options.filter((o) => o.takesValue).map((o) => o.flag)))];
  return [
    '_jml_child() {',
    '  case "$1 $2" in',
    ...children,
    '  esac',
    '}',
    '_jml_takes_value() {',
    '  case "$1" in',
    `    ${valued.join('|')}) return 0 ;;`,
    '  esac',
    '  return 1',
    '}',
  ];
}

export function bashCompletion(root: TreeNode): string {
  const words = allNodes(root).map(
    (n) =>
      `    ${nodeId(n)}) words='${[...n.subcommands.map((c) => c.path.at(-1)), ...n.choices, ...n.options.map((o) => o.flag)].join(' ')}' ;;`,
  );
  return [
    '# jml completion for bash: source <(jml completion bash)',
    ...walkFunctions(root),
    '_jml() {',
    '  local node=root skip=0 i word child words=""',
    '  local cur="${COMP_WORDS[COMP_CWORD]}"',
    '  for ((i = 1; i < COMP_CWORD; i++)); do',
    '    word="${COMP_WORDS[i]}"',
    '    if ((skip)); then skip=0; continue; fi',
    '    case "$word" in',
    '      -*) _jml_takes_value "$word" && skip=1 ;;',
    '      *) child=$(_jml_child "$node" "$word"); [[ -n "$child" ]] && node=$child ;;',
    '    esac',
    '  done',
    '  # The value of an option: nothing to offer but file names.',
    '  ((skip)) && return 0',
    '  case "$node" in',
    ...words,
    '  esac',
    '  COMPREPLY=($(compgen -W "$words" -- "$cur"))',
    '}',
    'complete -o default -F _jml jml',
    '',
  ].join('\n');
}

const zshItem = (name: string, description: string) =>
  `'${`${name}:${description.replace(/:/g, '\\:')}`.replace(/'/g, `'\\''`)}'`;

export function zshCompletion(root: TreeNode): string {
  const items = allNodes(root).map((n) => {
    const entries = [
      ...n.subcommands.map((c) => zshItem(c.path.at(-1)!, c.description)),
      ...n.choices.map((choice) => zshItem(choice, choice)),
      ...n.options.map((o) => zshItem(o.flag, o.description)),
    ];
    return `    ${nodeId(n)}) items=(${entries.join(' ')})${n.takesFile ? '; files=1' : ''} ;;`;
  });
  return [
    '#compdef jml',
    '# jml completion for zsh: source <(jml completion zsh), or save as _jml in a directory on $fpath',
    'compdef _jml jml',
    ...walkFunctions(root),
    '_jml() {',
    '  local node=root skip=0 i word child files=0',
    '  local -a items',
    '  for ((i = 2; i < CURRENT; i++)); do',
    '    word=${words[i]}',
    '    if ((skip)); then skip=0; continue; fi',
    '    case $word in',
    '      -*) _jml_takes_value $word && skip=1 ;;',
    '      *) child=$(_jml_child $node $word); [[ -n $child ]] && node=$child ;;',
    '    esac',
    '  done',
    '  if ((skip)); then _files; return; fi',
    '  case $node in',
    ...items,
    '  esac',
    "  _describe -t commands 'jml' items",
    '  ((files)) && _files',
    '  return 0',
    '}',
    '# Autoloaded from $fpath the file is the function body: complete now. Sourced: only define.',
    'if [[ $funcstack[1] == _jml ]]; then _jml "$@"; fi',
    '',
  ].join('\n');
}

export function completionCommand(program: Command): void {
  program
    .command('completion')
    .description('print a shell completion script for jml')
    .addArgument(new Argument('<shell>', 'the shell').choices(['bash', 'zsh']))
    .addHelpText(
      'after',
      examples(
        'source <(jml completion bash)          # in ~/.bashrc',
        'source <(jml completion zsh)           # in ~/.zshrc, after compinit',
        'jml completion zsh > "${fpath[1]}/_jml"  # or installed once',
      ),
    )
    .action(
      exiting((shell: 'bash' | 'zsh') => {
        const tree = commandTree(program);
        process.stdout.write(shell === 'bash' ? bashCompletion(tree) : zshCompletion(tree));
        return EXIT.done;
      }),
    );
}
