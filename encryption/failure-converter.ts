// Failure messages and stack traces go into the failure's encoded attributes, so that the codec
// encrypts them too: an application's error can name the account (a userName, an LDAP DN). Loaded by
// path (DataConverter.failureConverterPath), so the worker bundles the same converter into workflows.
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
