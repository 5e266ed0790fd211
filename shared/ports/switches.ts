import type { SwitchName, SwitchState } from '../domain/model/switches';

/** A switch's parameter as stored: its raw value, version and when it last changed. */
export interface StoredSwitch {
  readonly value: string;
  readonly version: number;
  readonly lastModified?: string;
}

/** The switches' parameters, read and written directly (the admin routes: no cache). */
export interface SwitchStore {
  read(name: SwitchName): Promise<StoredSwitch>;
  write(name: SwitchName, value: string): Promise<void>;
}

/**
 * The switches as a function acts on them: read through a cache, and never failing. A switch that cannot be read is
 * taken at its last value read, else at its definition's `onReadFailure` state.
 */
export interface SwitchReader {
  state(name: SwitchName): Promise<SwitchState>;
}
