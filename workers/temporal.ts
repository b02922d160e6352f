// Connections to Temporal for workers (NativeConnection) and clients (Connection), from one set of settings.
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { TemporalSettings } from '../config/load';
import { cliTypeOf, SEARCH_ATTRIBUTES } from '../workflows/messages';

type Address = Pick<TemporalSettings, 'address' | 'apiKey' | 'tls'> & { address: string };

export function connectWorker(settings: Address): Promise<NativeConnection> {
  return NativeConnection.connect({ address: settings.address, tls: settings.tls, apiKey: settings.apiKey });
}

export async function connectClient(settings: Address & { namespace: string }): Promise<Client> {
  const connection = await Connection.connect({
    address: settings.address,
    tls: settings.tls,
    apiKey: settings.apiKey,
  });
  return new Client({ connection, namespace: settings.namespace });
}

/** Fails start-up with a clear message when the namespace lacks jml's search attributes. */
export async function checkSearchAttributes(client: Client, namespace: string): Promise<void> {
  const { customAttributes } = await client.connection.operatorService.listSearchAttributes({ namespace });
  const missing = SEARCH_ATTRIBUTES.filter((key) => !customAttributes || !(key.name in customAttributes));
  if (missing.length) {
    const commands = missing.map(
      (k) =>
        `temporal operator search-attribute create --namespace ${namespace} --name ${k.name} --type ${cliTypeOf(k)}`,
    );
    throw new Error(
      `namespace "${namespace}" lacks search attributes ${missing.map((k) => k.name).join(', ')}; register them with:\n  ${commands.join('\n  ')}`,
    );
  }
}
