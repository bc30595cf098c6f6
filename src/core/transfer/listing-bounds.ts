/**
 * Bounds on a teammate's answer to "which snapshots do you hold for me":
 * the answer is held in memory and every receipt's signature is checked, so
 * a teammate must not be able to make it arbitrarily large. A signed receipt
 * takes about 600 bytes, so the byte bound fits the receipt bound with room
 * to spare; 50,000 receipts are an hourly backup kept for over five years.
 */
import { UserError } from '../errors';
import type { SignedStatement } from '../wire/signing';

export const maxListingBytes = 48 * 1024 * 1024;
export const maxListedReceipts = 50_000;

/** True for axios's failure when a response passed maxContentLength. */
export function isListingTooLarge(err: unknown): boolean {
  return /maxContentLength/.test((err as Error | undefined)?.message ?? '');
}

export function listingTooLarge(peerId: string): UserError {
  return new UserError(
    `${peerId}'s list of the snapshots it holds for us is larger than ${maxListingBytes / (1024 * 1024)} MiB, more than any teammate's list should be. Ask your teammate to check their receiver.`,
    { code: 'damaged' },
  );
}

/** The signed receipts of a listing's body, or a UserError when it is not a list or holds too many. */
export function signedReceiptsOf(data: unknown, peerId: string): SignedStatement[] {
  const snapshots = (data as { snapshots?: unknown } | undefined)?.snapshots;
  if (!Array.isArray(snapshots)) {
    throw new UserError(`${peerId} answered the request for its list of snapshots with something that is not a list; ask your teammate to update Peer Backup.`, { code: 'damaged' });
  }
  if (snapshots.length > maxListedReceipts) {
    throw new UserError(
      `${peerId} lists ${snapshots.length} snapshots for us, more than the ${maxListedReceipts} any teammate should hold. Ask your teammate to check their receiver.`,
      { code: 'damaged' },
    );
  }
  return snapshots.filter((each): each is SignedStatement => typeof (each as SignedStatement | null)?.statement === 'string' && typeof (each as SignedStatement).signature === 'string');
}
