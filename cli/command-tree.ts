// The command tree as plain data, read from commander, so completion scripts follow the commands
// without a second list to keep in step.
import type { Command } from 'commander';

export interface TreeNode {
  /** Command names from the root, e.g. ['config', 'check']; [] for jml itself. */
  path: string[];
  description: string;
  subcommands: TreeNode[];
  options: { flag: string; description: string; takesValue: boolean }[];
  /** Whether an argument is a file (completion then offers file names). */
  takesFile: boolean;
  /** Values an argument is limited to, offered like subcommands. */
  choices: string[];
}

export function commandTree(command: Command, path: string[] = []): TreeNode {
  const options = command.options
    .filter((o) => !o.hidden && o.long)
    .map((o) => ({ flag: o.long!, description: o.description, takesValue: o.required || o.optional }));
  options.push({ flag: '--help', description: 'show help', takesValue: false });
  const subcommands = command.commands.map((c) => commandTree(c, [...path, c.name()]));
  if (path.length === 0) {
    subcommands.push({
      path: ['help'],
      description: 'show help for a command',
      subcommands: [],
      options: [],
      takesFile: false,
      choices: [],
    });
  }
  return {
    path,
    description: command.description(),
    subcommands,
    options,
    takesFile: command.registeredArguments.some((a) => a.name() === 'file'),
    choices: command.registeredArguments.flatMap((a) => a.argChoices ?? []),
  };
}

export function allNodes(node: TreeNode): TreeNode[] {
  return [node, ...node.subcommands.flatMap(allNodes)];
}
