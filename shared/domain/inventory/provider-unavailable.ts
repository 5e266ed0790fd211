/** The provider's circuit is open: no call was made, and none is until it half-opens. */
export class ProviderUnavailableError extends Error {
  override readonly name = 'ProviderUnavailableError';

  constructor(readonly providerId: string) {
    super(`Inventory provider ${providerId} is unavailable (its circuit is open)`);
  }
}
