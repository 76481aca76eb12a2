import { API_ROUTES } from '#shared/api/routes.js';
import { describeRouteFuzz, useFuzzFixtures } from '#test/support/route-fuzz.js';

// The route fuzzing, split by route family so the files run side by side (test/support/route-fuzz.ts).
useFuzzFixtures();

describeRouteFuzz(API_ROUTES.filter((route) => ['members'].includes(route.function)));
