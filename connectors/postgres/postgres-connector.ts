// PostgreSQL connector: accounts are LOGIN roles named by userName, tied to the employee by the role's
// comment `jml:<employeeId>`; entitlements are the roles granted to it (GRANT group TO user); disable
// takes LOGIN away and expires the password; sessions are the role's backends in pg_stat_activity.
// Identifiers and literals from HR data only ever reach SQL through escapeIdentifier/escapeLiteral
// (utility statements such as CREATE ROLE take no bind parameters) or as bind parameters.
import { requestLimiterOf, type RequestLimiter } from '../request-limiter';
import { escapeIdentifier, escapeLiteral, Pool, type PoolClient } from 'pg';
import { z } from 'zod';
import type { AccountRef, AppState } from '../../domain/app-state';
import type { PostgresApplicationConfig } from '../../domain/config';
import type { AccountPage, AccountProfile, Connector, ListOptions } from '../connector';
import { checkPageSize, decodeCursor, encodeCursor } from '../listing-cursor';
import { stateOfNotOwn, type Ownership as OwnershipOf } from '../ownership';
import { PermanentConnectorError, TransientConnectorError, UnverifiableError } from '../errors';
import { hasSqlState, isTransientPostgresError, SQLSTATE, translatePostgresError } from './postgres-errors';

const OWNER_MARK = 'jml:';
/** PostgreSQL silently truncates longer names, which would make lookups by the full name miss. */
const MAX_IDENTIFIER_BYTES = 63;
/** How long pg_terminate_backend waits for each backend to be gone, so a read-back right after sees zero. */
const TERMINATE_WAIT_MS = 5_000;

interface RoleRow {
  oid: string;
  rolname: string;
  active: boolean;
  comment: string | null;
  groups: string[];
  sessions: number;
}

type Ownership = OwnershipOf<{ role: RoleRow }, { name: string }>;

/** A listing's position: the oid of the last role of the page before. */
const LISTING_CURSOR = z.strictObject({ k: z.literal('postgres'), after: z.string().regex(/^\d+$/) });

type ListedRow = Pick<RoleRow, 'oid' | 'rolname' | 'active' | 'comment' | 'groups'>;

/** One round trip answers everything a read-back needs: owner mark, login state, memberships, backends. */
const ROLE_COLUMNS = `
  r.oid::text AS oid,
  r.rolname::text AS rolname,
  r.rolcanlogin AND (r.rolvaliduntil IS NULL OR r.rolvaliduntil > now()) AS active,
  shobj_description(r.oid, 'pg_authid') AS comment,
  ARRAY(SELECT g.rolname::text FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
        WHERE m.member = r.oid) AS groups,
  (SELECT count(*)::int FROM pg_stat_activity a WHERE a.usesysid = r.oid) AS sessions`;

export class PostgresConnector implements Connector {
  readonly appId: string;
  private readonly pool: Pool;
  readonly limiter: RequestLimiter;

  constructor(private readonly config: PostgresApplicationConfig) {
    this.appId = config.id;
    this.limiter = requestLimiterOf(config);
    this.pool = new Pool({
      host: config.host,
      port: config.port,
      database: config.database,
      user: config.user,
      password: config.password,
      ssl: config.ssl,
      max: config.poolSize,
      connectionTimeoutMillis: config.requestTimeout,
      query_timeout: config.requestTimeout + TERMINATE_WAIT_MS,
      application_name: 'jml',
    });
    // An idle pooled connection the server closes (restart, admin shutdown) is dropped from the pool;
    // without a listener the error would crash the process.
    this.pool.on('error', () => undefined);
  }

  async ensureAccount(profile: AccountProfile): Promise<{ created: boolean; accountId: string }> {
    return this.run(`ensure role "${profile.userName}"`, async () => {
      checkName(profile.userName);
      try {
        const oid = await this.transaction(async (db) => {
          const role = escapeIdentifier(profile.userName);
          await db.query(`CREATE ROLE ${role} LOGIN`);
          await db.query(`COMMENT ON ROLE ${role} IS ${escapeLiteral(OWNER_MARK + profile.employeeId)}`);
          const { rows } = await db.query<{ oid: string }>(
            'SELECT oid::text AS oid FROM pg_roles WHERE rolname = $1',
            [profile.userName],
          );
          return rows[0]!.oid;
        });
        return { created: true, accountId: oid };
      } catch (error) {
        // A concurrent create of the same name waits for the first and then fails on its unique index.
        if (!hasSqlState(error, SQLSTATE.duplicateObject, SQLSTATE.uniqueViolation)) throw error;
      }
      return { created: false, accountId: await this.adopt(profile) };
    });
  }

  async grant(ref: AccountRef, entitlement: string): Promise<void> {
    await this.run(`grant "${entitlement}" to "${ref.userName}"`, async () => {
      const role = await this.ownRole(ref);
      if (!role)
        throw new PermanentConnectorError(`no role of ${ref.employeeId} to grant "${entitlement}" to`);
      try {
        await this.pool.query(`GRANT ${escapeIdentifier(entitlement)} TO ${escapeIdentifier(role.rolname)}`);
      } catch (error) {
        if (!hasSqlState(error, SQLSTATE.undefinedObject)) throw error;
        throw new PermanentConnectorError(`role "${entitlement}" does not exist`, { cause: error });
      }
    });
  }

  async revoke(ref: AccountRef, entitlement: string): Promise<void> {
    await this.run(`revoke "${entitlement}" from "${ref.userName}"`, async () => {
      const role = await this.ownRole(ref);
      if (!role) return;
      try {
        // Revoking a membership that is not there is only a warning.
        await this.pool.query(
          `REVOKE ${escapeIdentifier(entitlement)} FROM ${escapeIdentifier(role.rolname)}`,
        );
      } catch (error) {
        if (!hasSqlState(error, SQLSTATE.undefinedObject)) throw error;
      }
    });
  }

  async disable(ref: AccountRef): Promise<void> {
    await this.run(`disable "${ref.userName}"`, async () => {
      const role = await this.ownRole(ref);
      if (!role) return;
      // NOLOGIN refuses new connections whatever the authentication method; the expired VALID UNTIL
      // also refuses password sign-ins should someone grant LOGIN back without thinking of it.
      await this.pool.query(`ALTER ROLE ${escapeIdentifier(role.rolname)} NOLOGIN VALID UNTIL '-infinity'`);
    });
  }

  async delete(ref: AccountRef): Promise<void> {
    await this.run(`delete "${ref.userName}"`, async () => {
      const role = await this.ownRole(ref);
      if (!role) return;
      // A backend outlives its dropped role, and a role that no longer exists shows no sessions: end
      // them first, or a deleted account could keep working unseen.
      await this.terminate(role.oid);
      const name = escapeIdentifier(role.rolname);
      await this.transaction(async (db) => {
        await db.query(`REASSIGN OWNED BY ${name} TO ${escapeIdentifier(this.config.owner)}`);
        await db.query(`DROP OWNED BY ${name}`);
        await db.query(`DROP ROLE ${name}`);
      });
    });
  }

  async terminateSessions(ref: AccountRef): Promise<number> {
    return this.run(`end sessions of "${ref.userName}"`, async () => {
      const role = await this.ownRole(ref);
      return role ? this.terminate(role.oid) : 0;
    });
  }

  async readState(ref: AccountRef): Promise<AppState> {
    return this.run(`read "${ref.userName}"`, async () => {
      const found = await this.ownership(ref);
      if (found.kind !== 'own') return stateOfNotOwn(found, 0, ({ name }) => unownedProblem(name, ref));
      const { role } = found;
      return {
        exists: true,
        active: role.active,
        entitlements: [...role.groups].sort(),
        openSessions: role.sessions,
        accountId: role.oid,
      };
    });
  }

  /**
   * Lists the cluster's accounts a page at a time: every role that can sign in, and every role that
   * carries jml's owner mark (an account jml disabled can no longer sign in). A role that can do
   * neither is what PostgreSQL calls a group, the kind of role accounts are granted, and is not
   * listed. Roles without the mark (jml's own, the superuser, those made by hand) are listed without
   * an owner. Pages follow oid order from the last oid of the page before (keyset paging): each page
   * is one indexed query of the same cost wherever it falls, a renamed role keeps its place, and any
   * worker can ask for the next page. Entitlements are every role granted to the account. A listing
   * the server refuses ends there, unverifiable.
   */
  async listAccounts(options: ListOptions): Promise<AccountPage> {
    return this.run('list accounts', async () => {
      const size = checkPageSize(this.appId, options.pageSize);
      const after = decodeCursor(this.appId, options.cursor, LISTING_CURSOR)?.after ?? '0';
      const listing = this.pool.query<ListedRow>(
        `SELECT r.oid::text AS oid, r.rolname::text AS rolname,
                r.rolcanlogin AND (r.rolvaliduntil IS NULL OR r.rolvaliduntil > now()) AS active,
                shobj_description(r.oid, 'pg_authid') AS comment,
                ARRAY(SELECT DISTINCT g.rolname::text FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
                      WHERE m.member = r.oid ORDER BY 1) AS groups
           FROM pg_roles r
          WHERE r.oid > $1::oid
            AND (r.rolcanlogin OR coalesce(shobj_description(r.oid, 'pg_authid'), '') LIKE $2)
          ORDER BY r.oid
          LIMIT $3`,
        [after, `${OWNER_MARK}%`, size + 1],
      );
      let rows: ListedRow[];
      try {
        ({ rows } = await listing);
      } catch (error) {
        // Refused (credentials, permissions): the listing ends here. What a retry can get past is thrown.
        if (isTransientPostgresError(error)) throw error;
        const reason = translatePostgresError(this.appId, 'listing the roles', error).message;
        return { accounts: [], unverifiable: `${reason}, so the listing stops here` };
      }
      const page = rows.slice(0, size);
      const last = page.at(-1);
      return {
        accounts: page.map((role) => {
          const ownerId = ownerOfMark(role.comment);
          const account = { accountId: role.oid, userName: role.rolname, active: role.active };
          return { ...account, ...(ownerId ? { ownerId } : {}), entitlements: role.groups };
        }),
        ...(rows.length > size && last ? { next: encodeCursor({ k: 'postgres', after: last.oid }) } : {}),
      };
    });
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  /** Ends every backend of the role (in every database of the cluster); returns how many ended. */
  private async terminate(oid: string): Promise<number> {
    const { rows } = await this.pool.query<{ ended: number }>(
      `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, $2))::int AS ended
         FROM pg_stat_activity WHERE usesysid = $1::oid AND pid <> pg_backend_pid()`,
      [oid, TERMINATE_WAIT_MS],
    );
    return rows[0]?.ended ?? 0;
  }

  /** Takes over an existing role only when its mark names the same person, and lets it sign in again. */
  private async adopt(profile: AccountProfile): Promise<string> {
    const found = await this.ownership({ ...profile, accountId: undefined });
    const name = `role "${profile.userName}"`;
    if (found.kind === 'none')
      throw new TransientConnectorError(`${name} was dropped while it was being adopted`);
    if (found.kind === 'unowned')
      throw new PermanentConnectorError(unownedProblem(profile.userName, profile));
    if (found.kind === 'other') {
      throw new PermanentConnectorError(
        `${name} already exists for ${found.owner}, not ${profile.employeeId}: refusing to adopt another person's account`,
      );
    }
    if (!found.role.active) {
      await this.pool.query(
        `ALTER ROLE ${escapeIdentifier(found.role.rolname)} LOGIN VALID UNTIL 'infinity'`,
      );
    }
    return found.role.oid;
  }

  /**
   * Whose the person's role is: the oid jml recorded, else the role named userName, weighed by the
   * comment jml writes on every role it creates (a role without it is not provably anyone's).
   */
  private async ownership(ref: AccountRef): Promise<Ownership> {
    let role: RoleRow | undefined;
    if (ref.accountId && /^\d+$/.test(ref.accountId))
      role = await this.findRole('r.oid = $1::oid', ref.accountId);
    role ??= await this.findRole('r.rolname = $1', ref.userName);
    if (!role) return { kind: 'none' };
    const owner = ownerOfMark(role.comment);
    if (owner === ref.employeeId) return { kind: 'own', role };
    return owner ? { kind: 'other', owner } : { kind: 'unowned', name: role.rolname };
  }

  /** The person's own role; undefined when there is none (or only someone else's). */
  private async ownRole(ref: AccountRef): Promise<RoleRow | undefined> {
    const found = await this.ownership(ref);
    if (found.kind === 'own') return found.role;
    if (found.kind === 'unowned') throw new UnverifiableError(unownedProblem(found.name, ref));
    return undefined;
  }

  private async findRole(where: string, value: string): Promise<RoleRow | undefined> {
    const { rows } = await this.pool.query<RoleRow>(`SELECT ${ROLE_COLUMNS} FROM pg_roles r WHERE ${where}`, [
      value,
    ]);
    return rows[0];
  }

  private async transaction<T>(work: (db: PoolClient) => Promise<T>): Promise<T> {
    const db = await this.pool.connect();
    try {
      await db.query('BEGIN');
      const result = await work(db);
      await db.query('COMMIT');
      return result;
    } catch (error) {
      await db.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      db.release();
    }
  }

  /** One operation, within the server's limits; failures translated. */
  private run<T>(what: string, work: () => Promise<T>): Promise<T> {
    return this.limiter.run(() => this.perform(what, work));
  }

  private async perform<T>(what: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw translatePostgresError(this.appId, what, error);
    }
  }
}

/** The employee id in a role's comment `jml:<employeeId>`; undefined for a role without the mark. */
function ownerOfMark(comment: string | null): string | undefined {
  const owner = comment?.startsWith(OWNER_MARK) ? comment.slice(OWNER_MARK.length) : undefined;
  return owner || undefined;
}

function checkName(userName: string): void {
  if (Buffer.byteLength(userName, 'utf8') > MAX_IDENTIFIER_BYTES) {
    throw new PermanentConnectorError(
      `userName "${userName}" is longer than PostgreSQL's ${MAX_IDENTIFIER_BYTES}-byte role names`,
    );
  }
}

function unownedProblem(name: string, ref: AccountRef): string {
  return `role "${name}" exists without a jml owner comment, so jml cannot show it is ${ref.employeeId}'s and does not touch it; run COMMENT ON ROLE ... IS '${OWNER_MARK}${ref.employeeId}' if it is theirs, or rename or drop it`;
}
