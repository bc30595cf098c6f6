/**
 * Validation of a form's fields, all at once: each field's check either
 * returns the parsed value or throws a UserError, and every failing field's
 * message comes back together, so the panel can show each next to its input.
 */
import { UserError } from '../../core/app';
import type { FieldErrors } from './protocol';

export class InvalidFields extends UserError {
  constructor(readonly fieldErrors: FieldErrors) {
    super(Object.values(fieldErrors).join(' '));
    this.name = 'InvalidFields';
  }
}

type Checks = Record<string, () => unknown>;
type Checked<T extends Checks> = { [K in keyof T]: Awaited<ReturnType<T[K]>> };

export async function checkFields<T extends Checks>(checks: T): Promise<Checked<T>> {
  const values: Record<string, unknown> = {};
  const errors: FieldErrors = {};
  for (const [field, check] of Object.entries(checks)) {
    try {
      values[field] = await check();
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      errors[field] = err.message;
    }
  }
  if (Object.keys(errors).length > 0) throw new InvalidFields(errors);
  return values as Checked<T>;
}

/** A single field's failure, for checks that only make sense after the others passed. */
export function invalidField(field: string, message: string): InvalidFields {
  return new InvalidFields({ [field]: message });
}
