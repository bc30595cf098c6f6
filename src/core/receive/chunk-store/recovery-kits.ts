/**
 * The recovery kits senders leave here, one per sender in its store
 * (`recovery-kit.json`), found by lookup ID. A kit is sealed under a key
 * only its owner's recovery code gives (core/recovery); this receiver keeps
 * the SHA-256 of the code's verifier and hands the kit to whoever shows the
 * verifier, and to nobody else. A wrong verifier and an unknown lookup ID
 * get the same answer.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { kitUploadSchema, type KitUpload } from '../../recovery/kit-protocol';
import type { SealedKit } from '../../recovery/kit-seal';
import { UserError } from '../../errors';
import { publishFile } from '../../util/publish-file';
import type { StoreLayout } from './store-layout';
import { writeTempFile } from './temp-files';

export type KitPut = 'stored' | 'unchanged';

export class RecoveryKitShelf {
  private readonly bySender = new Map<string, KitUpload>();
  private readonly senderOf = new Map<string, string>();

  /** Reads the sender's kit at open; a damaged file is removed, since a kit nobody can fetch is no use and the sender stores it again. */
  async load(layout: StoreLayout): Promise<void> {
    let text: string;
    try {
      text = await readFile(layout.kitPath, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    let parsed;
    try {
      parsed = kitUploadSchema.safeParse(JSON.parse(text));
    } catch {
      parsed = undefined;
    }
    if (parsed?.success) this.remember(layout.sender, parsed.data);
    else await rm(layout.kitPath, { force: true });
  }

  /** Stores the sender's kit, replacing its previous one; call with the sender's lock held. */
  async put(layout: StoreLayout, upload: KitUpload): Promise<KitPut> {
    const current = this.bySender.get(layout.sender);
    if (current && JSON.stringify(current) === JSON.stringify(upload)) return 'unchanged';
    const owner = this.senderOf.get(upload.lookupId);
    if (owner !== undefined && owner !== layout.sender) {
      throw new UserError('another sender already keeps a recovery kit under this lookup ID; make a new recovery code', { code: 'conflict' });
    }
    await publishFile(await writeTempFile(layout, JSON.stringify(upload)), layout.kitPath, { replace: true });
    this.remember(layout.sender, upload);
    return 'stored';
  }

  /** The kit filed under `lookupId` when `verifier` (hex) is its code's; undefined otherwise, whichever way it failed. */
  find(lookupId: string, verifier: string): SealedKit | undefined {
    const sender = this.senderOf.get(lookupId);
    const kit = sender === undefined ? undefined : this.bySender.get(sender);
    const shown = createHash('sha256').update(Buffer.from(verifier, 'hex')).digest();
    // Compared in constant time even when no kit is filed there, so the answer's timing tells nothing either.
    const expected = Buffer.from(kit?.verifierHash ?? '0'.repeat(64), 'hex');
    return timingSafeEqual(shown, expected) && kit ? kit.kit : undefined;
  }

  private remember(sender: string, upload: KitUpload): void {
    const previous = this.bySender.get(sender);
    if (previous) this.senderOf.delete(previous.lookupId);
    this.bySender.set(sender, upload);
    this.senderOf.set(upload.lookupId, sender);
  }
}
