import { loadConfig, envVar } from '#shared/config';
import { aesGcmCipher, type FieldCipher, type KeyLoader } from './field-cipher';
import { keyringFromSecretsManager } from './secret-keyring';

/**
 * The field cipher of personal data with its keys from Secrets Manager (`DATA_KEY_SECRET_ID`). The cipher itself, the
 * key ids and the masking helpers are in `./field-cipher` (no AWS dependency), re-exported here.
 */
export * from './field-cipher';

let defaultCipher: FieldCipher | undefined;
let dataKeys: KeyLoader | undefined;

/** The process-wide cipher of personal data, with the keys in `DATA_KEY_SECRET_ID` (read at the first use). */
export function fieldCipher(): FieldCipher {
  defaultCipher ??= aesGcmCipher((options) => {
    dataKeys ??= keyringFromSecretsManager(loadConfig({ DATA_KEY_SECRET_ID: envVar.text() }).DATA_KEY_SECRET_ID);
    return dataKeys(options);
  });
  return defaultCipher;
}
