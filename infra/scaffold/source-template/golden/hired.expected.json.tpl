[
  {
    "specversion": "1.0",
    "id": "__ID__-2d7d7edbe4e90a0377f8f615",
    "source": "/hr/__ID__/acme",
    "type": "jml.joiner",
    "subject": "__ID__:acme:E-1001",
    "time": "2026-05-28T10:00:00Z",
    "datacontenttype": "application/json",
    "data": {
      "effectiveAt": "2026-06-15T00:00:00Z",
      "enteredAt": "2026-05-28T10:00:00Z",
      "person": {
        "employeeId": "E-1001",
        "workerType": "employee",
        "status": "pre-hire",
        "givenName": "Grace",
        "familyName": "Hopper",
        "workEmail": "grace.hopper@acme.example",
        "jobTitle": "Engineer",
        "department": "Engineering",
        "hireDate": "2026-06-15",
        "terminationDate": null
      },
      "changedFields": []
    }
  }
]
