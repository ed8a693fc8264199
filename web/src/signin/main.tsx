/** The /oauth2/authorize page's entry (web/signin.html): the sign-in steps, nothing else of the portal. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { Layout } from '../components/Layout';
import { AuthorizeSignIn, requestFrom } from './AuthorizeSignIn';
import '../styles.scss';

const container = document.getElementById('signin');
const request = container ? requestFrom(container) : undefined;
if (container && request) {
  createRoot(container).render(
    <StrictMode>
      {/* The header's and footer's links lead into the portal: a full page load, not this page's history. */}
      <div
        onClickCapture={(event) => {
          if (event.target instanceof Element && event.target.closest('a[href]')) event.stopPropagation();
        }}
      >
        <Layout nav={[]} current="" signedIn={false}>
          <AuthorizeSignIn request={request} />
        </Layout>
      </div>
    </StrictMode>,
  );
}
