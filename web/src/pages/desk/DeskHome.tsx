import { useTitle } from '../../app/page';
import { type CardLink, CardLinks } from '../../components/CardLinks';
import { PageHeading } from '../common';

const SECTIONS: CardLink[] = [
  {
    to: '/service-desk/accounts',
    title: 'Look up an account',
    text: 'Find an account by email address, NHS number or account ID, check who it is, and unlock it',
  },
  {
    to: '/service-desk/worklist',
    title: 'Notifications that did not reach patients',
    text: 'Messages that failed by text and email: contact the patient another way, then resolve them',
  },
];

export function DeskHome() {
  useTitle('Service desk');
  return (
    <>
      <PageHeading>Service desk</PageHeading>
      <CardLinks links={SECTIONS} />
    </>
  );
}
