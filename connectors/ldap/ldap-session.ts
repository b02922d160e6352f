// The one bound connection an LDAP connector works over, whichever directory it talks to, and the
// translation of what goes wrong on it into connector errors (retry or not).
import type { RequestLimiter } from '../request-limiter';
import { readFile } from 'node:fs/promises';
import type { ConnectionOptions } from 'node:tls';
import { Client } from 'ldapts';
import type { LdapApplicationConfig } from '../../domain/config';
import { PermanentConnectorError, TransientConnectorError } from '../errors';
import { isTransient } from './result-codes';

type SessionConfig = Pick<
  LdapApplicationConfig,
  'id' | 'url' | 'bindDn' | 'bindPassword' | 'requestTimeout' | 'caFile'
>;

export class LdapSession {
  private session: Promise<Client> | undefined;
  private trusted: Promise<ConnectionOptions> | undefined;

  constructor(
    private readonly config: SessionConfig,
    /** The directory's request limits, shared by all of this process's operations on it. */
    private readonly limiter: RequestLimiter,
  ) {}

  /**
   * Runs one operation on the shared bound client and translates failures into connector errors;
   * within the directory's limits (and its answers asking to wait).
   */
  run<T>(what: string, work: (client: Client) => Promise<T>): Promise<T> {
    return this.limiter.run(() => this.perform(what, work));
  }

  private async perform<T>(what: string, work: (client: Client) => Promise<T>): Promise<T> {
    try {
      return await work(await this.client());
    } catch (error) {
      throw this.translate(what, error);
    }
  }

  async close(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    if (!session) return;
    const client = await session.catch(() => undefined);
    await client?.unbind().catch(() => undefined);
  }

  /**
   * The one bound client, connected on first use. Concurrent callers share the same pending bind
   * (LDAP multiplexes their requests over one connection by message id); a dropped connection is
   * replaced by a freshly bound one on the next call.
   */
  private client(): Promise<Client> {
    const current = this.session;
    if (current) {
      return current.then((client) => (client.isConnected ? client : this.reconnect(current)));
    }
    return this.connect();
  }

  private reconnect(stale: Promise<Client>): Promise<Client> {
    return this.session === stale ? this.connect() : this.client();
  }

  private connect(): Promise<Client> {
    const session = this.bind();
    this.session = session;
    session.catch(() => {
      if (this.session === session) this.session = undefined;
    });
    return session;
  }

  private async bind(): Promise<Client> {
    const client = new Client({
      url: this.config.url,
      timeout: this.config.requestTimeout,
      connectTimeout: this.config.requestTimeout,
      tlsOptions: await this.tlsOptions(),
      // Replays the bind if ldapts itself reconnects mid-call, so no request runs anonymously.
      autoRebind: true,
    });
    try {
      await client.bind(this.config.bindDn, this.config.bindPassword);
      return client;
    } catch (error) {
      await client.unbind().catch(() => undefined);
      throw error;
    }
  }

  /**
   * With caFile, ldaps:// trusts the CAs in that file only. A file that cannot be read needs a person
   * (a permanent error); it is read again on the next call.
   */
  private tlsOptions(): Promise<ConnectionOptions> {
    const caFile = this.config.caFile;
    if (!caFile) return Promise.resolve({});
    this.trusted ??= readFile(caFile).then(
      (ca) => ({ ca }),
      (error: unknown) => {
        this.trusted = undefined;
        const reason = error instanceof Error ? error.message : String(error);
        throw new PermanentConnectorError(`${this.config.id}: cannot read caFile: ${reason}`, {
          cause: error,
        });
      },
    );
    return this.trusted;
  }

  private translate(what: string, error: unknown): Error {
    if (error instanceof TransientConnectorError || error instanceof PermanentConnectorError) return error;
    const message = `${this.config.id}: ${what} failed: ${error instanceof Error ? error.message : String(error)}`;
    if (isTransient(error)) return new TransientConnectorError(message, undefined, { cause: error });
    return new PermanentConnectorError(message, { cause: error });
  }
}
