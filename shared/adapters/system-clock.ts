import { ulid } from 'ulid';
import type { Clock } from '../ports/clock';
import type { IdGenerator } from '../ports/id-generator';

/** The machine's clock (Lambda's is NTP-synchronized). */
export const systemClock: Clock = () => new Date();

/** ULIDs: unique, and sortable by the millisecond they were made in. */
export const ulidIds: IdGenerator = () => ulid();
