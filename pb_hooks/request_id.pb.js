/// <reference path="../pb_data/types.d.ts" />

// An example of a staff hook (the jsvm plugin loads every *.pb.js file here).
// It touches no business rule: it tags every response with an X-Request-Id
// header, so a user's report can be matched with the server log.
// Hooks run inside the binary; restart it (or pass --hooksWatch) after a change.
routerUse((e) => {
    e.response.header().set("X-Request-Id", $security.randomString(16));
    return e.next();
});
