/**
 * Marks of audited authorizer denials: one per (who, minute), written once and never changed, so that at most one
 * denial per caller and minute reaches the audit trail however many the caller provokes.
 */
export interface DenialMarks {
  /** Claims the mark of `who` in `minute` (yyyy-mm-ddThh:mm): true for the one claim that wrote it, false after. */
  claim(who: string, minute: string): Promise<boolean>;
}
