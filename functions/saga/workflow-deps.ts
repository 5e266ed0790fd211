import { SFNClient } from '@aws-sdk/client-sfn';
import { SfnWaitingSteps } from '../../shared/adapters/sfn-order-workflow';

/** Answers the saga's payment wait by its task token. */
export const waitingSteps = () => new SfnWaitingSteps(new SFNClient({}));
