import { SSMClient } from '@aws-sdk/client-ssm';
import { SsmSwitchStore } from '../../shared/adapters/ssm-switch-store';
import { optionalEnv } from '../../shared/config/env';
import { ENV } from '../../shared/config/env-names';
import { switchParameters } from '../../shared/config/switches';
import { once } from './once';

/** The function's one SSM client (AWS_ENDPOINT_URL_SSM points it at the local stand-in). */
export const ssmClient = /* @__PURE__ */ once(() => new SSMClient({}));

/** The switches' parameters, read and written directly (the admin routes). */
export const switchStore = () => new SsmSwitchStore(ssmClient(), switchParameters());

/** The stage's inventory providers, which inventory-webhooks-refused may name (INVENTORY_PROVIDER_IDS). */
export const switchProviders = () =>
  optionalEnv(ENV.INVENTORY_PROVIDER_IDS, '')
    .split(',')
    .filter((p) => p.length > 0);

export { switchCacheSeconds } from '../../shared/config/switches';
