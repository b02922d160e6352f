// What every identity workflow is started with, from the configuration's lifecycle settings: the
// intake passes them when it starts a person's workflow, from the API and from reconciliation alike.
import type { JmlConfig } from '../domain/config';
import type { IdentitySettings } from '../workflows/messages';

export function identitySettingsOf(config: Pick<JmlConfig, 'lifecycle'>): IdentitySettings {
  const { lifecycle } = config;
  return {
    joinerLeadTimeMs: lifecycle.joinerLeadTime,
    maxRetryIntervalMs: lifecycle.maxRetryInterval,
    moverOverlapMs: lifecycle.moverOverlap,
    deprovisionDeadlineMs: lifecycle.deprovisionDeadline,
  };
}
