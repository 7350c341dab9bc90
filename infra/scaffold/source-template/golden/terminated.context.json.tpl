{
  "contentType": "application/json",
  "tenant": "acme",
  "receivedAt": "2026-05-29T15:30:01Z"
}
