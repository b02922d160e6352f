// Connections to Temporal for workers (NativeConnection) and clients (Connection), from one set of
// settings. Clients encrypt what they send and decrypt what they read (encryption/), with the keys from
// the environment unless given a data converter.
import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { NativeConnection } from '@temporalio/worker';
import type { TemporalSettings } from '../config/load';
import { dataConverterFromEnv } from '../encryption/data-converter';
import { cliTypeOf, SEARCH_ATTRIBUTES } from '../workflows/messages';

type Address = Pick<TemporalSettings, 'address' | 'apiKey' | 'tls'> & { address: string };

export function connectWorker(settings: Address): Promise<NativeConnection> {
  return NativeConnection.connect({ address: settings.address, tls: settings.tls, apiKey: settings.apiKey });
}

export async function connectClient(
  settings: Address & { namespace: string },
  dataConverter: DataConverter = dataConverterFromEnv(),
): Promise<Client> {
  const connection = await Connection.connect({
    address: settings.address,
    tls: settings.tls,
    apiKey: settings.apiKey,
  });
  return new Client({ connection, namespace: settings.namespace, dataConverter });
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
