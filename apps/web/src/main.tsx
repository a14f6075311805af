import '@fontsource-variable/inter';
import './styles/base.css';
import './styles/shell.css';
import './styles/dashboard.css';
import './styles/chat.css';
import './styles/inbox.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
