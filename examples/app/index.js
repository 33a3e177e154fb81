const http = require("http");

http
  .createServer((req, res) => {
    res.writeHead(200, { "Content-Type": "text/plain" });
    res.end(req.url === "/health" ? "ok\n" : "hello from example-app\n");
  })
  .listen(3000, () => console.log("listening on :3000"));
