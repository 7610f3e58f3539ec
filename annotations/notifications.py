"""In-app and email notifications for members: who is told what, and the email job."""
