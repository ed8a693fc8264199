/**
 * Creating an account, in the four steps of the enrolment API: your details (matched to your
 * patient record), the codes sent to your email and mobile, how you want security codes, and the
 * first code to confirm it.
 */
import { useState } from 'react';
import type { RegistrationStep } from '../../api/portal';
import { ChooseStep, DoneStep } from './ChooseStep';
import { ConfirmStep, VerifyStep } from './CodeSteps';
import { DetailsStep } from './DetailsStep';

type Stage =
  | { name: 'details' }
  | { name: 'verify'; registration: string; email: string; mobile: string }
  | { name: 'choose'; registration: string; mobile: string }
  | { name: 'confirm'; registration: string; mobile: string; method: 'totp' | 'sms'; step: RegistrationStep }
  | { name: 'done'; username: string };

export function Enrol() {
  const [stage, setStage] = useState<Stage>({ name: 'details' });
  switch (stage.name) {
    case 'details':
      return (
        <DetailsStep
          onDone={(step, input) =>
            setStage({
              name: 'verify',
              registration: step.registration,
              email: input.email.trim(),
              mobile: input.mobile.trim(),
            })
          }
        />
      );
    case 'verify':
      return (
        <VerifyStep
          registration={stage.registration}
          email={stage.email}
          mobile={stage.mobile}
          onDone={(step) =>
            setStage({ name: 'choose', registration: step.registration, mobile: stage.mobile })
          }
        />
      );
    case 'choose':
      return (
        <ChooseStep
          registration={stage.registration}
          mobile={stage.mobile}
          onDone={(step, method) =>
            setStage({ name: 'confirm', registration: step.registration, mobile: stage.mobile, method, step })
          }
        />
      );
    case 'confirm':
      return (
        <ConfirmStep
          registration={stage.registration}
          method={stage.method}
          mobile={stage.mobile}
          step={stage.step}
          onDone={(username) => setStage({ name: 'done', username })}
        />
      );
    case 'done':
      return <DoneStep username={stage.username} />;
  }
}
