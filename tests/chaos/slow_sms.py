"""An SMS gateway stand-in for `make chaos`: each send takes a while (so a worker can be killed in
the middle of one) and is written to a file when it completes."""

from __future__ import annotations

import json
import os
import time

from casework.sms import SENT, SendResult, SmsMessage


class SlowSmsBackend:
    sends_for_real = False

    def send(self, message: SmsMessage) -> SendResult:
        time.sleep(float(os.environ.get("SILA_CHAOS_SMS_SECONDS", "1.5")))
        with open(os.environ["SILA_CHAOS_SMS_FILE"], "a", encoding="utf-8") as out:
            out.write(json.dumps({"to": message.to, "body": message.body}, ensure_ascii=False) + "\n")
        return SendResult(SENT, provider_id="chaos")
