// Starts GOV.UK Frontend's JavaScript on every page.
//
// This is an external module rather than the inline snippet GOV.UK Frontend
// suggests because the portal's Content Security Policy forbids inline script.
// It is served from static/govuk/, next to govuk-frontend.min.js.
//
// Being a module it only runs in browsers that GOV.UK Frontend supports, so
// both classes can be added without the usual 'noModule' feature test. Older
// browsers get the plain HTML/CSS experience, which is fully usable.
import { initAll } from "./govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");

initAll();
