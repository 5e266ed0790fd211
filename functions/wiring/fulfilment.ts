import { HttpFulfilmentProvider } from '../../shared/adapters/http-fulfilment-provider';
import { secretText } from '../../shared/adapters/secrets-manager-secret-store';
import { requiredEnv } from '../../shared/config/env';
import { ENV } from '../../shared/config/env-names';
import { secretStore } from './platform';

/** The fulfilment provider's API at FULFILMENT_API_URL, with its API key read through the secret store. */
export const fulfilmentProvider = () =>
  new HttpFulfilmentProvider(
    requiredEnv(ENV.FULFILMENT_API_URL),
    secretText(secretStore(), requiredEnv(ENV.FULFILMENT_API_KEY_SECRET_ARN), 'fulfilment API key'),
  );
