"""What runs in the Rasa server's process: Rasa's command line with fixes (`launch`), the
endpoints and credentials files it reads (`runtime_files`), the checks every incoming
message goes through (`message_checks`) and the messaging channels (`channels`)."""
