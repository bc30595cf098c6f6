/**
 * What "Open Settings" was given to open the panel at. Its arguments come
 * from our views' items, but any extension may run the command: anything
 * that is not a target opens the panel as it is.
 */
import { z } from '../../core/app';
import type { RevealTarget } from './protocol';

const revealTargetSchema = z.union([
  z.strictObject({ plan: z.string().check(z.minLength(1)) }),
  z.strictObject({ teammate: z.string().check(z.minLength(1)) }),
  z.strictObject({ receiving: z.literal(true) }),
]);

export function revealTargetOf(value: unknown): RevealTarget | undefined {
  const parsed = revealTargetSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}
