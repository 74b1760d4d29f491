// Renders /api/v1.0/openapi.json with the embedded Swagger UI: nothing is
// fetched from another origin (no validator badge). "Try it out" requests
// echo the csrf_token cookie in X-CSRFToken, as the pages do (API.md §1.3).
window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: '/api/v1.0/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    validatorUrl: null,
    tryItOutEnabled: false,
    requestInterceptor: function (req) {
      var m = document.cookie.match(/(?:^|;\s*)csrf_token=([^;]*)/);
      if (m && !/^(GET|HEAD|OPTIONS)$/i.test(req.method || 'GET')) {
        req.headers['X-CSRFToken'] = decodeURIComponent(m[1]);
      }
      return req;
    },
  });
});
