/**
 * The portal: which page a path shows, who may see it, and the frame around it. Patient pages
 * need a patient account linked to a record; service-desk pages a service-desk or admin account.
 * Anyone signed out is sent to sign in and brought back afterwards.
 */
import { type ReactNode, useEffect, useState, useSyncExternalStore } from 'react';
import { currentSession, hasStoredSession, restoreSession, type Session, subscribe } from '../api/session';
import { Loading } from '../components/content';
import { Layout, type NavItem } from '../components/Layout';
import { isServiceDesk, patientIdOf } from '../domain/claims';
import { Appointments } from '../pages/Appointments';
import { CancelAppointment } from '../pages/CancelAppointment';
import { ContactPreferences } from '../pages/ContactPreferences';
import { Accounts } from '../pages/desk/Accounts';
import { DeskHome } from '../pages/desk/DeskHome';
import { Worklist } from '../pages/desk/Worklist';
import { Enrol } from '../pages/enrol/Enrol';
import { Home } from '../pages/Home';
import { Accessibility, NotForThisAccount, NotFound, Privacy, SignedOut } from '../pages/Info';
import { NominatedPharmacy } from '../pages/NominatedPharmacy';
import { Prescriptions } from '../pages/Prescriptions';
import { RequestRepeat } from '../pages/RequestRepeat';
import { Reschedule } from '../pages/Reschedule';
import { Result, Results } from '../pages/Results';
import { SignIn } from '../pages/SignIn';
import { Start } from '../pages/Start';
import { matchPath, navigate, useLocation } from './router';

type Params = Record<string, string>;

type Route =
  | { path: string; access: 'public'; render: (params: Params) => ReactNode }
  | { path: string; access: 'patient'; render: (params: Params, patientId: string) => ReactNode }
  | { path: string; access: 'desk'; render: (params: Params) => ReactNode };

const ROUTES: Route[] = [
  { path: '/sign-in', access: 'public', render: () => <SignIn /> },
  { path: '/enrol', access: 'public', render: () => <Enrol /> },
  { path: '/signed-out', access: 'public', render: () => <SignedOut /> },
  { path: '/not-for-this-account', access: 'public', render: () => <NotForThisAccount /> },
  { path: '/accessibility', access: 'public', render: () => <Accessibility /> },
  { path: '/privacy', access: 'public', render: () => <Privacy /> },
  {
    path: '/prescriptions',
    access: 'patient',
    render: (_, patient) => <Prescriptions patientId={patient} />,
  },
  {
    path: '/prescriptions/:itemId/repeat',
    access: 'patient',
    render: (params) => <RequestRepeat itemId={params.itemId!} />,
  },
  { path: '/appointments', access: 'patient', render: (_, patient) => <Appointments patientId={patient} /> },
  {
    path: '/appointments/:id/cancel',
    access: 'patient',
    render: (params) => <CancelAppointment appointmentId={params.id!} />,
  },
  {
    path: '/appointments/:id/reschedule',
    access: 'patient',
    render: (params) => <Reschedule appointmentId={params.id!} />,
  },
  { path: '/results', access: 'patient', render: (_, patient) => <Results patientId={patient} /> },
  {
    path: '/results/:id',
    access: 'patient',
    render: (params, patient) => <Result patientId={patient} resultId={params.id!} />,
  },
  {
    path: '/nominated-pharmacy',
    access: 'patient',
    render: (_, patient) => <NominatedPharmacy patientId={patient} />,
  },
  {
    path: '/contact-preferences',
    access: 'patient',
    render: (_, patient) => <ContactPreferences patientId={patient} />,
  },
  { path: '/service-desk', access: 'desk', render: () => <DeskHome /> },
  { path: '/service-desk/accounts', access: 'desk', render: () => <Accounts /> },
  { path: '/service-desk/worklist', access: 'desk', render: () => <Worklist /> },
];

const PATIENT_NAV: NavItem[] = [
  { to: '/', label: 'Home' },
  { to: '/prescriptions', label: 'Prescriptions' },
  { to: '/appointments', label: 'Appointments' },
  { to: '/results', label: 'Test results' },
  { to: '/contact-preferences', label: 'Contact preferences' },
];

const DESK_NAV: NavItem[] = [
  { to: '/service-desk/accounts', label: 'Account look-up' },
  { to: '/service-desk/worklist', label: 'Notification worklist' },
];

function navFor(session: Session | undefined): NavItem[] {
  if (!session) return [];
  if (patientIdOf(session.claims)) return PATIENT_NAV;
  if (isServiceDesk(session.claims)) return DESK_NAV;
  return [];
}

function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return null;
}

function page(pathname: string, session: Session | undefined): ReactNode {
  const patientId = session ? patientIdOf(session.claims) : undefined;
  const desk = session ? isServiceDesk(session.claims) : false;
  const signIn = <Redirect to={`/sign-in?next=${encodeURIComponent(pathname)}`} />;
  if (pathname === '/') {
    if (patientId) return <Home patientId={patientId} />;
    if (desk) return <Redirect to="/service-desk" />;
    return <Start />;
  }
  for (const route of ROUTES) {
    const params = matchPath(route.path, pathname);
    if (!params) continue;
    switch (route.access) {
      case 'public':
        return route.render(params);
      case 'patient':
        if (!session) return signIn;
        if (patientId) return route.render(params, patientId);
        return <NotForThisAccount account={desk ? 'desk' : undefined} />;
      case 'desk':
        if (!session) return signIn;
        if (desk) return route.render(params);
        return <NotForThisAccount account={patientId ? 'patient' : undefined} />;
    }
  }
  return <NotFound />;
}

export function App() {
  const { pathname } = useLocation();
  const session = useSyncExternalStore(subscribe, currentSession);
  // After a reload the tab's refresh token signs the person back in before any page decides.
  const [restoring, setRestoring] = useState(() => hasStoredSession() && !currentSession());
  useEffect(() => {
    if (!restoring) return;
    void restoreSession().finally(() => setRestoring(false));
  }, [restoring]);

  return (
    <Layout nav={navFor(session)} current={pathname} signedIn={session !== undefined}>
      {restoring ? <Loading what="your account" /> : page(pathname, session)}
    </Layout>
  );
}
