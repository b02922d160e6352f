// `npm run openapi`: writes the API's OpenAPI document to openapi.json, formatted as the repository
// formats JSON, so that a change to the contract shows in review.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { generateOpenApiDocument } from '../api/openapi-document';
import { PROJECT_ROOT } from './lib/tools';

const OPENAPI_FILE = join(PROJECT_ROOT, 'openapi.json');

async function main(): Promise<void> {
  const document = await generateOpenApiDocument();
  const options = { ...(await resolveConfig(OPENAPI_FILE)), filepath: OPENAPI_FILE };
  writeFileSync(OPENAPI_FILE, await format(JSON.stringify(document), options));
  console.log(`wrote ${OPENAPI_FILE}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
