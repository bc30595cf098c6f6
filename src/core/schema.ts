/**
 * zod as the code uses it: its small build, zod/mini (the functional API:
 * about 70 KB of each bundle where the classic one took 800 KB, with every
 * locale), with its English messages applied once here, since that build
 * ships none and would word every issue "Invalid input".
 *
 * Import it as a namespace, `import * as z from './schema'` (front ends get
 * the same namespace from core/app). Only what is listed below is in it, so
 * that a bundle holding the namespace as an object (core/app re-exports it)
 * holds these parts of zod and not all of them with every locale: add what
 * a schema needs.
 */
import { en } from 'zod/locales';
import { config } from 'zod/mini';

config(en());

export {
  array,
  base64,
  boolean,
  discriminatedUnion,
  enum,
  extend,
  int,
  literal,
  nullable,
  number,
  object,
  optional,
  strictObject,
  string,
  union,
  unknown,
  // Checks, for .check(...):
  maximum,
  maxLength,
  minimum,
  minLength,
  nonnegative,
  positive,
  regex,
  superRefine,
} from 'zod/mini';
export type { core, infer, ZodMiniType } from 'zod/mini';
