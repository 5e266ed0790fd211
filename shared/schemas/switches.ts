import * as z from '../validation/zod';
import { SWITCH_NAMES } from '../domain/model/switches';

/** `PUT /admin/switches/{name}`: any name is accepted here; one that is no switch is 404 (and audited). */
export const SwitchNamePathSchema = z.strictObject({ name: z.string().check(z.minLength(1), z.maxLength(64)) });

/** Flip a switch: on or off, and why (kept in the audit trail); a per-provider switch names the providers. */
export const SwitchFlipBodySchema = z.strictObject({
  on: z.boolean(),
  /** Why, for the audit trail and whoever flips it back: an incident number, a sentence. */
  reason: z.string().check(z.trim(), z.minLength(3), z.maxLength(500)),
  /** inventory-webhooks-refused only: the providers to refuse (on) or accept again (off; none named: every one). */
  providers: z.optional(z.array(z.string().check(z.regex(/^[a-z0-9-]{3,40}$/))).check(z.maxLength(50))),
});
export type SwitchFlipBody = z.infer<typeof SwitchFlipBodySchema>;

export const SwitchViewSchema = z.strictObject({
  name: z.enum(SWITCH_NAMES),
  on: z.boolean(),
  /** inventory-webhooks-refused: the providers whose webhooks are refused. */
  providers: z.optional(z.array(z.string())),
  description: z.string(),
  /** The parameter's version: 1 until the switch is first flipped. */
  version: z.number().check(z.int(), z.minimum(0)),
  lastModified: z.optional(z.iso.datetime({ offset: true })),
});

export const SwitchListSchema = z.strictObject({
  switches: z.array(SwitchViewSchema),
  /** Seconds a function keeps a switch's value before reading it again: how long a flip takes to act. */
  cacheSeconds: z.number().check(z.int(), z.minimum(1)),
});
export type SwitchList = z.infer<typeof SwitchListSchema>;
