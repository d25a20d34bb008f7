from django.apps import AppConfig


class PolicyEngineConfig(AppConfig):
    name = "policy_engine"
    verbose_name = "Beneficiary relations policy"

    def ready(self) -> None:
        from accounts.selectors import vacant_board_seats_wanted
        from accounts.team import invitation_accepted
        from policy_engine.signals import board_seat_for_invitee, vacant_board_seats

        invitation_accepted.connect(board_seat_for_invitee, dispatch_uid="policy-board-seat-for-invitee")
        vacant_board_seats_wanted.connect(vacant_board_seats, dispatch_uid="policy-vacant-board-seats")
