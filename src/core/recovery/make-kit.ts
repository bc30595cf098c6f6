/** Makes a recovery kit for an identity and storage secret: a fresh code, its keys, the sealed kit and what the receiver keeps to check the code. */
import { deriveKitKeys, verifierHash } from './kit-keys';
import type { KitUpload } from './kit-protocol';
import { sealKit, type KitContents } from './kit-seal';
import { generateRecoveryCode, recoveryCodeEntropy } from './recovery-code';

export async function makeKit(contents: KitContents): Promise<{ code: string; upload: KitUpload }> {
  const code = await generateRecoveryCode();
  const keys = await deriveKitKeys(await recoveryCodeEntropy(code));
  return { code, upload: { lookupId: keys.lookupId, verifierHash: verifierHash(keys.verifier), kit: sealKit(keys, contents) } };
}
