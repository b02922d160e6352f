// The LDAP connector for the configured flavour of directory: OpenLDAP or Active Directory.
import type { LdapApplicationConfig } from '../../domain/config';
import type { Connector } from '../connector';
import { ActiveDirectoryConnector } from './ad-connector';
import { LdapConnector } from './ldap-connector';

export function createLdapConnector(config: LdapApplicationConfig): Connector {
  return config.flavor === 'ad' ? new ActiveDirectoryConnector(config) : new LdapConnector(config);
}
