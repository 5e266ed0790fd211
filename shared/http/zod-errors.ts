import type * as z from '../validation/zod';
import type { FieldError } from '../domain/errors';

/** Turns zod issues into contract field errors, e.g. `{ path: "body.items.0.quantity", message }`. */
export function zodFieldErrors(error: z.core.$ZodError, root: string): FieldError[] {
  return error.issues.map((issue) => {
    const path = [root, ...issue.path.map(String)].join('.');
    if (issue.code === 'unrecognized_keys') {
      return { path, message: `Unknown field(s): ${issue.keys.join(', ')}` };
    }
    return { path, message: issue.message };
  });
}

/** A one-line summary of zod issues for logs and dead-letter reasons: field and rule, never the values. */
export function issuesOf(error: z.core.$ZodError): string {
  return error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.code}`).join('; ');
}
