"""The delivery room (统一送达): what departments issue goes to the applicant by post or is
collected at the window once the case is finished (:mod:`.preparation`); the platform follows each
delivery up until it arrives or is collected (:mod:`.follow_up`, 送达跟踪) through a courier
(:mod:`.courier`, plugged in by the deployment; the sandbox has its own)."""

from lianban.cases.deliveries import delivery_json
from lianban.delivery.courier import Courier, TrackingStatus
from lianban.delivery.follow_up import FollowUp, HandOverRefused, first_follow_up, follow_up, hand_over
from lianban.delivery.preparation import prepare_delivery

__all__ = [
    "Courier",
    "FollowUp",
    "HandOverRefused",
    "TrackingStatus",
    "delivery_json",
    "first_follow_up",
    "follow_up",
    "hand_over",
    "prepare_delivery",
]
