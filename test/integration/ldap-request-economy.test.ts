// How many LDAP operations one person costs an OpenLDAP directory (a real slapd with the memberof
// overlay), counted at the client: a joiner with two groups and a leaver, with the application set
// to `disable` and to `delete`, for groups of 5 members and of 5,000. The entry is addressed by the
// DN jml recorded, its groups are read from its memberOf, membership changes are single modifies,
// and no operation reads a group's member list, so the count does not grow with the groups. A change
// addressed by the recorded DN never lands on an entry that has become someone else's.
import { after, before, describe, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { Attribute, Change, Client, type SearchOptions } from 'ldapts';
import { createActivities } from '../../activities';
import type { AccountRef } from '../../domain/app-state';
import type { Employee } from '../../domain/hr-event';
import { createConnectors } from '../../connectors/registry';
import { buildConfig } from '../support/config';
import { employee } from '../support/people';
import { asAdmin, createGroups, startSlapd, type SlapdServer } from '../support/slapd';

const SIZES = { small: ['small-a', 'small-b'], large: ['large-a', 'large-b'] } as const;
type Size = keyof typeof SIZES;
const MODES = ['disable', 'delete'] as const;
type Mode = (typeof MODES)[number];
const MEMBERS: Record<Size, number> = { small: 5, large: 5_000 };

/**
 * The most operations one person may cost: a joiner adds the entry, adds it to each group (and
 * takes the placeholder member out of it: two modifies) and reads it back; a leaver locks the entry
 * (asserting its employeeNumber) while reading it, removes each membership, deletes the entry where
 * the application says so, and reads it back.
 */
const BUDGET = { joiner: 6, disable: 5, delete: 6 } as const;

let server: SlapdServer;
let activities: ReturnType<typeof createActivities>;
let connectors: ReturnType<typeof createConnectors>;
/** Every operation the connectors sent, as `<operation> <DN> [<attributes>]`. */
const operations: string[] = [];

before(async () => {
  server = await startSlapd();
  await createGroups(server, [...SIZES.small, ...SIZES.large]);
  await asAdmin(server, async (client) => {
    for (const [size, names] of Object.entries(SIZES) as [Size, readonly string[]][]) {
      const others = Array.from({ length: MEMBERS[size] }, (_, n) => `uid=member.${n},${server.usersDn}`);
      for (const name of names) {
        await client.modify(
          `cn=${name},${server.groupsDn}`,
          new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: others }) }),
        );
      }
    }
  });
  const loaded = buildConfig({
    applications: MODES.map((mode) => ({
      id: `directory-${mode}`,
      kind: 'ldap',
      url: server.url,
      bindDn: server.bindDn,
      bindPassword: { env: 'LDAP_PASSWORD' },
      usersDn: server.usersDn,
      groupsDn: server.groupsDn,
      deprovision: mode,
    })),
    roles: [],
    secrets: { LDAP_PASSWORD: server.bindPassword },
  });
  connectors = createConnectors(loaded.config.applications);
  activities = createActivities({ ...loaded, connectors });
  countOperations();
});

after(async () => {
  mock.restoreAll();
  await Promise.all([...connectors.values()].map((c) => c.close()));
  await server?.stop();
});

/** Counts the connectors' operations at the client, on their way to the real server. */
function countOperations(): void {
  for (const name of ['search', 'add', 'modify', 'del', 'modifyDN'] as const) {
    const original = Object.getOwnPropertyDescriptor(Client.prototype, name)!.value as (
      ...args: unknown[]
    ) => Promise<unknown>;
    mock.method(Client.prototype, name, function (this: Client, ...args: unknown[]) {
      const options = args[1] as SearchOptions | undefined;
      const detail = name === 'search' ? ` [${[options?.attributes ?? ['*']].flat().join(',')}]` : '';
      operations.push(`${name} ${String(args[0])}${detail}`);
      return Reflect.apply(original, this, args);
    });
  }
}

async function counted(step: () => Promise<unknown>): Promise<string[]> {
  const start = operations.length;
  await step();
  return operations.slice(start);
}

interface Lifecycle {
  joiner: string[];
  leaver: string[];
}

/** One person with the two groups of `size`, joining and then leaving the application of `mode`. */
async function lifecycle(size: Size, mode: Mode): Promise<Lifecycle> {
  const appId = `directory-${mode}`;
  const person: Employee = employee();
  const entitlements = [...SIZES[size]];
  let account: AccountRef = { employeeId: person.id, userName: person.userName };
  const joiner = await counted(async () => {
    const { accountId } = await activities.provisionInApp({ appId, employee: person, entitlements });
    account = { ...account, accountId };
    const state = await activities.readAppState({ appId, account, known: entitlements });
    assert.deepEqual(state.entitlements, entitlements);
  });
  const leaver = await counted(async () => {
    const result = await activities.deprovisionInApp({ appId, account, known: entitlements });
    assert.deepEqual(result.revoked, entitlements, 'the leaver reports what it removed');
    const state = await activities.readAppState({ appId, account, known: entitlements, everything: true });
    assert.equal(state.exists, mode === 'disable');
    assert.equal(state.active, false);
    assert.deepEqual(state.entitlements, []);
  });
  return { joiner, leaver };
}

/** An operation that reads group entries with their members (all attributes, or `member`). */
function readsMemberList(operation: string): boolean {
  const found = /^search (\S+) \[(.*)\]$/.exec(operation);
  if (!found) return false;
  const attributes = found[2]!.split(',');
  return found[1]!.includes(server.groupsDn) && (attributes.includes('*') || attributes.includes('member'));
}

for (const mode of MODES) {
  void describe(`deprovision ${mode}: LDAP operations for one person`, () => {
    const runs: Partial<Record<Size, Lifecycle>> = {};

    before(async () => {
      // What is learned once per application and worker (that memberOf is kept) is paid first.
      await lifecycle('small', mode);
      runs.small = await lifecycle('small', mode);
      runs.large = await lifecycle('large', mode);
      for (const size of Object.keys(SIZES) as Size[]) {
        for (const step of ['joiner', 'leaver'] as const) {
          const seen = runs[size]![step];
          console.log(`${mode} ${size} ${step} ${seen.length}: ${seen.join(' | ')}`);
        }
      }
    });

    for (const step of ['joiner', 'leaver'] as const) {
      const budget = step === 'joiner' ? BUDGET.joiner : BUDGET[mode];
      void test(`a ${step} with two groups costs at most ${budget} operations, whatever the group size`, () => {
        const small = runs.small![step];
        const large = runs.large![step];
        assert.ok(small.length <= budget, small.join('\n'));
        assert.equal(large.length, small.length, `${large.join('\n')}\nagainst\n${small.join('\n')}`);
        assert.deepEqual([...small, ...large].filter(readsMemberList), []);
      });
    }
  });
}

void test('a leaver addressed by a recorded DN whose entry now names another owner changes nothing there', async () => {
  const appId = 'directory-delete';
  const person = employee();
  const { accountId } = await activities.provisionInApp({
    appId,
    employee: person,
    entitlements: [...SIZES.small],
  });
  await asAdmin(server, (client) =>
    client.modify(
      accountId,
      new Change({
        operation: 'replace',
        modification: new Attribute({ type: 'employeeNumber', values: ['E-other'] }),
      }),
    ),
  );
  const account = { employeeId: person.id, userName: person.userName, accountId };
  const result = await activities.deprovisionInApp({ appId, account, known: [...SIZES.small] });
  assert.equal(result.before.heldBy, 'E-other');
  assert.deepEqual(result.revoked, []);
  const entry = await asAdmin(server, async (client) => {
    const { searchEntries } = await client.search(accountId, {
      scope: 'base',
      attributes: ['pwdAccountLockedTime', 'memberOf'],
    });
    return searchEntries[0];
  });
  assert.ok(entry, 'not deleted');
  assert.deepEqual(
    [entry.pwdAccountLockedTime ?? []].flat(),
    [],
    'not locked: the server refused the asserted lock',
  );
  assert.equal([entry.memberOf].flat().length, SIZES.small.length, 'its groups are kept');
});
