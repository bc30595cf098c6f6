/**
 * What "Open Settings" was given to open the panel at. Its arguments come
 * from our views' items, but any extension may run the command: anything
 * that is not a target opens the panel as it is.
 */
import { z } from 'zod';
import type { RevealTarget } from './protocol';

const revealTargetSchema = z.union([
  z.object({ plan: z.string().min(1) }).strict(),
  z.object({ teammate: z.string().min(1) }).strict(),
  z.object({ receiving: z.literal(true) }).strict(),
]);

export function revealTargetOf(value: unknown): RevealTarget | undefined {
  const parsed = revealTargetSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}
