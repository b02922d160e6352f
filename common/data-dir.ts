// Where jml keeps its runtime data on this machine: the embedded dev server's database, the
// development secrets and the record of what `npm start` runs. JML_DATA_DIR moves it (to run a
// second jml beside the first, or in tests); the default is the git-ignored .data/ of the checkout.
import { join, resolve } from 'node:path';

export const DATA_DIR = process.env.JML_DATA_DIR
  ? resolve(process.env.JML_DATA_DIR)
  : join(resolve(__dirname, '..'), '.data');
