[
  {
    "specversion": "1.0",
    "id": "__ID__-709b4e01df927012a49ddb24",
    "source": "/hr/__ID__/acme",
    "type": "jml.leaver",
    "subject": "__ID__:acme:E-0950",
    "time": "2026-05-29T15:30:00Z",
    "datacontenttype": "application/json",
    "data": {
      "effectiveAt": "2026-05-31T23:59:59Z",
      "enteredAt": "2026-05-29T15:30:00Z",
      "person": {
        "employeeId": "E-0950",
        "workerType": "employee",
        "status": "terminated",
        "givenName": "Alan",
        "familyName": "Turing",
        "workEmail": "alan.turing@acme.example",
        "jobTitle": "Analyst",
        "department": "Research",
        "hireDate": "2024-01-08",
        "terminationDate": "2026-05-31"
      },
      "changedFields": [
        "status",
        "terminationDate"
      ]
    }
  }
]
