// Installs the pinned tools into .tools/ now rather than on first use (npm start and npm test do it too).
import { PINNED, scim2ServerPath, temporalCli } from './lib/tools';

console.log(`Temporal CLI (${PINNED.temporal}): ${temporalCli()}`);
console.log(`scim2-server (${PINNED.scim2Server}): ${scim2ServerPath()}`);
