// A local scim2-server (PyPI) instance: in-memory SCIM 2.0 Users and Groups behind a bearer token.
import { startChild } from './child';
import { portFor, waitForPort } from './ports';
import { python, scim2ServerPath } from './tools';

export interface ScimServer {
  baseUrl: string;
  token: string;
  port: number;
  stop: () => Promise<void>;
}

export async function startScimServer(options: { token: string; port?: number }): Promise<ScimServer> {
  const port = await portFor(options.port, 'sample SCIM application');
  const child = startChild(
    python(),
    [
      '-m',
      'scim2_server.testserver.cli',
      '--hostname',
      '127.0.0.1',
      '--port',
      String(port),
      // One argument with `=`: a token that starts with '-' would otherwise be read as an option.
      `--bearer-token=${options.token}`,
    ],
    {
      env: { ...process.env, PYTHONPATH: scim2ServerPath(), PYTHONUNBUFFERED: '1' },
      name: `scim2-server :${port}`,
    },
  );
  try {
    await waitForPort(port, 30_000, 'scim2-server');
  } catch (error) {
    await child.stop();
    throw new Error(`${(error as Error).message}\n${child.output()}`);
  }
  return { baseUrl: `http://127.0.0.1:${port}/v2`, token: options.token, port, stop: () => child.stop() };
}

/** Creates groups (by displayName) so that entitlements can be granted. */
export async function createScimGroups(
  server: Pick<ScimServer, 'baseUrl' | 'token'>,
  names: string[],
): Promise<void> {
  for (const displayName of names) {
    const response = await fetch(`${server.baseUrl}/Groups`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/scim+json' },
      body: JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName }),
    });
    if (!response.ok && response.status !== 409)
      throw new Error(`creating group ${displayName}: HTTP ${response.status}`);
  }
}
