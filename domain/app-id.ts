// An application's id as the configuration spells it, and as every door that names one takes it.
import { z } from 'zod';

export const appIdSchema = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,31}$/, 'must be lower-case letters, digits or "-"');
