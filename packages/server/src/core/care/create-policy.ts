import { type MessagingPolicy, openPolicy } from '../policy.js';
import { AppointmentPolicy, type CarePolicyDeps } from './appointment-policy.js';
import { ConsultationPolicy } from './consultation-policy.js';

export type PolicyName = 'appointment' | 'consultation' | 'open';

/** The policy `MESSAGING_POLICY` names. */
export function createPolicy(name: PolicyName, deps: CarePolicyDeps): MessagingPolicy {
  switch (name) {
    case 'appointment':
      return new AppointmentPolicy(deps);
    case 'consultation':
      return new ConsultationPolicy(deps);
    case 'open':
      return openPolicy;
  }
}
