/**
 * zod, as every Stockade shape is written: zod 4's functional API (`zod/mini`: `z.strictObject({...})`,
 * `z.string().check(z.minLength(1))`, `z.optional(...)`), whose checks and parsers are separate functions, so a
 * bundle carries only the ones it uses (about 25 KiB instead of the ~444 KiB classic zod adds to every function; see
 * docs/benchmarks.md). The schemas stay the one definition of each shape: types (`z.infer`), validation, JSON Schema
 * (`z.toJSONSchema`). zod/mini ships without messages (every issue would read "Invalid input"), so this module
 * installs zod's English ones, the messages classic zod gives. Import zod from here only (ESLint enforces it).
 */
import * as z from 'zod/mini';
import { en } from 'zod/locales';

z.config(en());

export * from 'zod/mini';
