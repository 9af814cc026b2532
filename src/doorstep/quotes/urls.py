from django.urls import path

from doorstep.quotes import views

app_name = "quotes"
urlpatterns = [
    # The customer.
    path("quotes/", views.my_requests, name="my_requests"),
    path("quotes/new/", views.new_request, name="new_request"),
    path("quotes/<str:request_id>/", views.request_page, name="request"),
    path("quotes/<str:request_id>/cancel/", views.cancel, name="cancel"),
    path(
        "quotes/<str:request_id>/photos/<str:photo_id>/",
        views.photo,
        name="photo",
    ),
    path(
        "quotes/<str:request_id>/quotes/<str:quote_id>/counter/",
        views.counter,
        name="counter",
    ),
    path(
        "quotes/<str:request_id>/quotes/<str:quote_id>/hire/",
        views.hire,
        name="hire",
    ),
    path(
        "quotes/<str:request_id>/quotes/<str:quote_id>/message/",
        views.message_provider,
        name="message",
    ),
    # The provider.
    path("leads/", views.leads, name="leads"),
    path("leads/<str:invitation_id>/", views.invitation_page, name="invitation"),
    path("leads/<str:invitation_id>/quote/", views.send_quote, name="quote"),
    path("leads/<str:invitation_id>/decline/", views.decline, name="decline"),
    path("leads/<str:invitation_id>/revise/", views.revise, name="revise"),
    path("leads/<str:invitation_id>/withdraw/", views.withdraw, name="withdraw"),
]
