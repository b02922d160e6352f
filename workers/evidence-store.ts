// The evidence store a worker writes to: PostgreSQL when JML_EVIDENCE_URL or evidence.url names one,
// else the embedded store under the data directory; checkpoints signed with JML_EVIDENCE_SIGNING_KEY.
import { DATA_DIR } from '../common/data-dir';
import type { JmlConfig } from '../domain/config';
import { evidenceLocation, signingKeyFrom } from '../evidence/settings';
import { EvidenceStore } from '../evidence/store';

export function openEvidenceStore(config: JmlConfig): Promise<EvidenceStore> {
  return EvidenceStore.open(
    evidenceLocation({ dataDir: DATA_DIR, configUrl: config.evidence?.url }),
    signingKeyFrom(),
  );
}
