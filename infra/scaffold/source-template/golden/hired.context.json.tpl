{
  "contentType": "application/json",
  "tenant": "acme",
  "receivedAt": "2026-05-28T10:00:02Z"
}
