// A second, independently written SCIM 2.0 service provider for the tests: django-scim2 0.23.0
// (PyPI, github.com/15five/django-scim2) on Django 5.2, SQLite in a temporary folder. Our part is
// only the wrapper in scripts/lib/django-scim2/jml_scim: settings, URLs, two models built from the
// library's mixins, a bearer-token middleware and a one-line Group filter map.
//
// What it does, probed with curl against this wrapper (base URL http://127.0.0.1:<port>/scim/v2):
// - Auth: every SCIM path needs `Authorization: Bearer <token>`; otherwise 401 with
//   `WWW-Authenticate: Bearer realm="django-scim2"` and an empty text/html body (no SCIM error).
// - /Users: POST 201 (+ Location), GET /Users/<id> 200, unknown id 404, PUT 200 (absent externalId
//   and name become ""), DELETE 204 then 404, PATCH 200 with the resource. Ids are numeric strings.
// - PATCH replace active: yes, with path `active` or without path (`value: {active: false}`), op
//   name case-insensitive; a non-boolean value answers 400. Replace of anything but userName, name.*,
//   active, emails (e.g. externalId) and any `add` on a User answer 501.
// - Duplicate userName: 409 `UNIQUE constraint failed`, but case-sensitively: "ADA@x" and "ada@x"
//   are two users, while the filter `userName eq` is case-insensitive and then returns both.
//   A POST without userName is accepted (userName "").
// - externalId: kept and returned (absent → ""), but NOT filterable (see unknown filters).
// - Filters (scim2-filter-parser, SQL): userName (case-insensitive), name.givenName/familyName,
//   eq/ne/co/sw/ew/pr, and/or; POST /Users/.search too. `active eq true|false` never matches (it
//   compares the integer column to the string 'TRUE'/'FALSE').
// - Unknown filter attributes (externalId, title, members.value, groups.value, …) are DROPPED, not
//   rejected: alone they answer 200 with totalResults 0; inside `and` they widen the filter
//   (`externalId eq "x" and userName eq "bob"` returns bob). A filter that does not parse: 400.
// - Users carry `groups` ([{value, $ref, display}]), read-only, kept up to date by group changes.
// - /Groups: POST 201 (members in the POST body are ignored; add them by PATCH), duplicate
//   displayName 409 (our model keeps Django's unique group name), GET, DELETE 204, PUT sets
//   displayName and externalId but ignores members. Filter `displayName eq` works (case-sensitive)
//   through our one-entry attribute map; the library ships none. `members.value eq` /
//   `members[value eq ""]` filters: no (200, empty).
// - PATCH add members `{op:add, path:members, value:[{value:id}]}` (or no path, value {members:[…]}):
//   yes, idempotent; a nonexistent user id 400, a non-numeric id 500.
// - PATCH remove members: only `{op:remove, path:members, value:[{value:id}]}`; removing a
//   non-member is a no-op 200, a deleted user id 400. `path: members[value eq "<id>"]` answers 501,
//   and `path: members` without value removes nothing (200). Replace of members or displayName 501.
// - Paging: startIndex (1-based, <1 → 400) and count (default 50, not capped; 0 → no Resources;
//   negative → 400); totalResults is the full count, itemsPerPage the page size. Unfiltered lists are
//   ordered by id as a string ("10" before "2"), filtered lists have no ORDER BY. attributes,
//   excludedAttributes, sortBy are ignored.
// - ETag: no (no ETag header, no meta.version; If-Match ignored). meta.lastModified is always the
//   creation time; Group meta has no timestamps.
// - /ServiceProviderConfig: yes, but says filter.supported false (maxResults 50, not enforced),
//   patch true, etag/sort/bulk false. /Schemas and /ResourceTypes: yes (ListResponse without
//   totalResults). /Me and /Bulk: 501.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { startChild } from './child';
import { portFor, waitForPort } from './ports';
import type { ScimServer } from './scim-server';
import { djangoScim2Path, python } from './tools';

const APP_DIR = join(__dirname, 'django-scim2');

/** Starts django-scim2 on a fresh, empty database; `stop` ends it and removes the database. */
export async function startDjangoScimServer(options: { token: string; port?: number }): Promise<ScimServer> {
  const port = await portFor(options.port, 'django-scim2 SCIM application');
  const packages = djangoScim2Path();
  const dataDir = mkdtempSync(join(tmpdir(), 'jml-django-scim2-'));
  const child = startChild(python(), ['-m', 'jml_scim.serve'], {
    cwd: dataDir,
    env: {
      ...process.env,
      PYTHONPATH: [packages, APP_DIR].join(delimiter),
      PYTHONUNBUFFERED: '1',
      PYTHONDONTWRITEBYTECODE: '1',
      DJANGO_SETTINGS_MODULE: 'jml_scim.settings',
      JML_SCIM_PORT: String(port),
      JML_SCIM_TOKEN: options.token,
      JML_SCIM_DB: join(dataDir, 'scim.sqlite3'),
    },
  });
  const stop = async () => {
    await child.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  const exited = new Promise<never>((_, reject) =>
    child.process.once('exit', (code, signal) =>
      reject(new Error(`django-scim2 exited (${code ?? signal}) before listening on 127.0.0.1:${port}`)),
    ),
  );
  exited.catch(() => undefined);
  try {
    await Promise.race([waitForPort(port, 30_000, 'django-scim2'), exited]);
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n${child.output()}`);
  }
  return { baseUrl: `http://127.0.0.1:${port}/scim/v2`, token: options.token, port, stop };
}
