import { SFNClient } from '@aws-sdk/client-sfn';
import { SfnOrderWorkflow, SfnWaitingSteps } from '../../shared/adapters/sfn-order-workflow';
import { requiredEnv } from '../../shared/config/env';
import { ENV } from '../../shared/config/env-names';
import { once } from './once';

const sfnClient = /* @__PURE__ */ once(() => new SFNClient({}));

/** Starts the order saga named by ORDER_SAGA_ARN. */
export const orderWorkflow = () => new SfnOrderWorkflow(sfnClient(), requiredEnv(ENV.ORDER_SAGA_ARN));

/** Answers the saga's payment wait by its task token. */
export const waitingSteps = () => new SfnWaitingSteps(sfnClient());
